"""A flood of distinct antenna ids (a producer bug, or an attack) degrades gracefully:
analytics tracks at most --max-antennas antennas one by one, counts the reports of the
others in its totals only (exact still), says so once in its log and in a counter, and
stays healthy and quick to stop."""
from conftest import free_port, http_get, metric_value
from dashboard_stack import simulate, wait_records
from pipeline import stream_sums

CAP = 100


def test_antennas_beyond_the_cap_count_in_the_totals_only(spawn, redis_server):
    port = free_port()
    analytics = spawn("analytics", ["--port", str(port), "--listen", "127.0.0.1",
                                    "--max-antennas", str(CAP)],
                      {"REDIS_URL": redis_server.url("analytics"), "CONSUMER_NAME": "capped"})
    analytics.wait_ready(port)
    simulate(spawn, redis_server, 300, 3000, seed=51, antenna_id="flood")
    expected = stream_sums(redis_server.client())
    body = wait_records(port, expected["records"])
    assert (body["packets"], body["loss"]) == (expected["packets"], expected["loss"])
    status, rows = http_get(port, "/api/v1/antennas?window=0")
    assert status == 200 and len(rows) == CAP
    tracked = sum(r["records"] for r in rows)
    assert metric_value(port, "analytics_antennas") == CAP
    assert metric_value(port, "analytics_antennas_untracked_records_total") == \
        expected["records"] - tracked
    assert expected["records"] - tracked > 0
    warnings = [r for r in analytics.log_records() if r["msg"].startswith("antenna cap reached")]
    assert len(warnings) == 1 and warnings[0]["max_antennas"] == CAP
    assert http_get(port, "/healthz") == (200, {"status": "ok"})
    assert analytics.stop() == 0  # SIGTERM: exits 0 within the contract's 5 s
