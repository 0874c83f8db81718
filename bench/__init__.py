"""Benchmarks (`make bench`): every figure is a ratio against a reference measured in the same
run, on this machine. Results are printed and written to .newswire/bench.json."""
