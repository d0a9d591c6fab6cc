"""Deterministic demo data for the reference customer (see `build.build_demo`)."""
