import pytest

from staffrota.optimiser.engine.benchmark import (
    InstanceError,
    instance_files,
    parse_instance,
    read_instance,
    read_roster,
    roster_from_csv,
    roster_to_csv,
    write_instance,
)

from .factories import BENCHMARK, needs_benchmark

pytestmark = needs_benchmark

INSTANCES = BENCHMARK / "instances"


@pytest.mark.parametrize("name", ["Instance1", "Instance7", "Instance12"])
def test_reader_round_trips_instance(name):
    problem = read_instance(INSTANCES / f"{name}.txt")

    again = parse_instance(write_instance(problem), name=name)

    assert again == problem


def test_reader_maps_sections_onto_model():
    problem = read_instance(INSTANCES / "Instance1.txt")

    assert problem.days == 14
    assert [s.id for s in problem.shift_types] == ["D"]
    assert [p.id for p in problem.staff] == list("ABCDEFGH")
    first = problem.staff[0]
    assert first.contract.max_minutes == 4320 and first.contract.min_minutes == 3360
    assert first.unavailable == {0: "fixed day off"}
    assert len(problem.covers) == 14
    assert sum(r.on for r in problem.requests) == 21


def test_roster_csv_round_trips():
    problem = read_instance(INSTANCES / "Instance3.txt")
    roster = read_roster(BENCHMARK / "reference-rosters" / "Instance3.roster.csv", problem)

    text = roster_to_csv(problem, roster)

    assert roster_from_csv(problem, text).shifts == roster.shifts
    assert text == (BENCHMARK / "reference-rosters" / "Instance3.roster.csv").read_text()


def test_instance_files_are_in_natural_order():
    names = [p.stem for p in instance_files(INSTANCES)]

    assert names[:3] == ["Instance1", "Instance2", "Instance3"]
    assert names.index("Instance10") > names.index("Instance9")


GOOD = (INSTANCES / "Instance1.txt").read_text()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("A,D=14,4320,3360,5,2,2,1", "A,D=14,4320,3360,5,2,2", "expected 8 fields"),
        ("A,D=14,4320,3360,5,2,2,1", "A,X=14,4320,3360,5,2,2,1", "unknown shift id 'X'"),
        ("A,D=14,4320,3360,5,2,2,1", "A,D=14,43x0,3360,5,2,2,1", "must be a whole number"),
        ("A,D=14,4320,3360,5,2,2,1", "A,D=14,3000,3360,5,2,2,1", "MinTotalMinutes is above"),
        ("B,5\n", "Q,5\n", "unknown employee id 'Q'"),
        ("H,7\n", "H,99\n", "day 99 is outside the horizon"),
        ("SECTION_COVER", "SECTION_COVERS", "unknown section"),
    ],
)
def test_reader_bad_input_names_the_line(old, new, expected):
    text = GOOD.replace(old, new, 1)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if new.strip() in raw)

    with pytest.raises(InstanceError) as info:
        parse_instance(text, source="bad.txt")

    assert expected in str(info.value)
    assert f"bad.txt line {line}:" in str(info.value)


def test_roster_reader_rejects_unknown_shift_with_line():
    problem = read_instance(INSTANCES / "Instance1.txt")
    header = "employee," + ",".join(f"d{d}" for d in range(14))
    rows = [f"{p.id}" + ",D" * 14 for p in problem.staff]
    rows[2] = "C,Z" + ",D" * 13

    with pytest.raises(InstanceError, match=r"line 4: unknown shift 'Z' on day 0"):
        roster_from_csv(problem, "\n".join([header, *rows]))


def test_stand_ins_have_the_shapes_they_are_named_for(tmp_path, capsys):
    from bench.optimiser.tile import STAND_INS, main, write_stand_ins

    written = write_stand_ins(BENCHMARK / "instances", tmp_path)

    assert len(written) == len(STAND_INS) == 10
    for path, (instance, days, staff, copies) in zip(written, STAND_INS, strict=True):
        problem = read_instance(path)
        base = read_instance(BENCHMARK / "instances" / f"{instance}.txt")
        assert (problem.days, len(problem.staff)) == (days, staff)
        assert len(problem.shift_types) == copies * len(base.shift_types)
    # Without the twelve instances it says which are missing instead of failing on a read.
    with pytest.raises(SystemExit):
        main(["--stand-ins", str(tmp_path), "--out", str(tmp_path / "again")])
    assert "lacks Instance10, Instance11, Instance12, Instance5" in capsys.readouterr().err
    assert not (tmp_path / "again").exists()
    # Mixed with a single tiling, or a file for a folder: said plainly, nothing written.
    instances = str(BENCHMARK / "instances")
    with pytest.raises(SystemExit):
        main(["--stand-ins", instances, "--days", "28", "--out", str(tmp_path / "mixed")])
    assert "leave out --instance, --days, --staff" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("")
    with pytest.raises(SystemExit):
        main(["--stand-ins", instances, "--out", str(tmp_path / "a-file")])
    assert "is a file" in capsys.readouterr().err
    assert not (tmp_path / "mixed").exists()
