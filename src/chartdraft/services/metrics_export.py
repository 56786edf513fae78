"""Quality metrics as JSON (``chartdraft.metrics/1``) and CSV, for dashboards and spreadsheets."""

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, fields

from chartdraft.services.quality_metrics import GroupBy, QualityMetrics

METRICS_SCHEMA = "chartdraft.metrics/1"
COLUMNS = tuple(f.name for f in fields(QualityMetrics))


def _row(metrics: QualityMetrics) -> dict[str, object]:
    return {
        key: round(value, 4) if isinstance(value, float) else value
        for key, value in asdict(metrics).items()
    }


def metrics_json(rows: Iterable[QualityMetrics], group_by: GroupBy) -> str:
    """Return the metrics as a ``chartdraft.metrics/1`` JSON document."""
    document = {
        "schema": METRICS_SCHEMA,
        "group_by": group_by.value,
        "groups": [_row(metrics) for metrics in rows],
    }
    return json.dumps(document, indent=2)


def metrics_csv(rows: Iterable[QualityMetrics]) -> str:
    """Return the metrics as CSV: a header, then one line per group (empty cell: no data)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for metrics in rows:
        writer.writerow({k: "" if v is None else v for k, v in _row(metrics).items()})
    return out.getvalue()
