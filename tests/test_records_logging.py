"""Business problems are logged once at WARNING without a traceback; crashes keep theirs."""
import logging

from sync.http import ApiError
from sync.orders import OrderProblem
from sync.tasks import process_record
from tests.audit_helpers import make_record, pipeline


def pipeline_logs(caplog, tenant, error):
    record = make_record(tenant)

    def fails(_record):
        raise error
    with caplog.at_level(logging.INFO), pipeline("order", fails):
        process_record(record.pk)
    return record, [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "sync.tasks"]


def test_a_business_problem_is_one_warning_with_the_record_and_message(caplog, tenant):
    record, logged = pipeline_logs(caplog, tenant, OrderProblem("Guest order #100 has no e-mail address."))
    assert [(r.levelname, r.exc_info) for r in logged] == [("WARNING", None)]
    assert str(record.pk) in logged[0].getMessage() and "has no e-mail address" in logged[0].getMessage()
    assert "Traceback" not in caplog.text


def test_an_api_refusal_is_one_warning(caplog, tenant):
    _, logged = pipeline_logs(caplog, tenant, ApiError("CustomerID: 'C1' cannot be found.", status=422, permanent=True))
    assert [(r.levelname, r.exc_info) for r in logged] == [("WARNING", None)]


def test_a_crash_keeps_its_traceback(caplog, tenant):
    _, logged = pipeline_logs(caplog, tenant, KeyError("OrderNbr"))
    assert [r.levelname for r in logged] == ["ERROR"] and logged[0].exc_info is not None
    assert "Traceback" in caplog.text
