"""The bundled project as `make report` sees it: every configured client plans, and the inputs
its reports read pass validation. Fast (no notebook runs), so a merge that breaks the front door
fails here rather than only in `make report`."""

from __future__ import annotations

from analysis.data.validation import validate_clients
from analysis.pipeline.plan import plan_deliverables
from analysis.pipeline.validate import clients_read_by


def test_every_configured_client_plans_and_its_exports_validate(tmp_path):
    deliverables = plan_deliverables(None, {}, None)
    assert {"house", "example-client"} <= {d.client for d in deliverables}
    clients = clients_read_by(job for d in deliverables for job in d.jobs)
    assert "demo" in clients
    report = validate_clients(clients=clients, out_dir=tmp_path)
    assert report.success, [finding.line for finding in report.findings]
