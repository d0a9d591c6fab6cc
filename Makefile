# Shortcuts; each calls dev.py, which needs nothing but Python 3.11.
.PHONY: run test lint bench bench-load migrations-check

run:
	python3 dev.py run

test:
	python3 dev.py test

lint:
	python3 dev.py lint

migrations-check:
	.venv/bin/python manage.py makemigrations --check --dry-run

bench:
	.venv/bin/python -m bench.optimiser --instances ../shared/benchmarks/shift-scheduling/instances --time-limit 60 --out var/bench/optimiser
	.venv/bin/python -m bench.forecast --data ../shared/benchmarks/forecast/swast_daily_ambulance_demand.csv --horizon 30 --origins 8 --step 30 --out var/bench/forecast

# 300 users against the web server (Granian) + PostgreSQL + Redis on 127.0.0.1 (bench/load/README.md).
bench-load:
	bash bench/load/run.sh
