"""What the bridge's tests share: the 1e-12 agreement the issue asks of every number."""

TOLERANCE = 1e-12


def assert_agrees(report, tolerance=TOLERANCE):
    """Every row of a Comparison (output included) within tolerance, relative beyond 1."""
    for row in (report.output, *report.rows):
        assert row.difference <= tolerance * max(1.0, abs(row.ours)), (row, str(report))
