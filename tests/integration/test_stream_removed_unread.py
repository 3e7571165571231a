"""What the simulator's credential can still do to the stream (an ACL cannot restrict
XADD's arguments; see broker-config/README.md), and what analytics makes of it: entries
an XADD with MAXLEN 0 deleted before the group read them are measured, logged and exposed
(analytics_stream_removed_unread); the group's lag, which Redis keeps counting them in,
comes back to 0 with the README's repair; what is left of the stream is counted exactly.
A maximal id, which stops every later XADD *, is reported (analytics_stream_ids_exhausted)
and repaired as the README says."""
import time

from conftest import metric_value, wait_until
from pipeline import start_analytics, stream_sums, summary, wait_drained

NOW = int(time.time())


def report(i):
    return {"antenna_id": f"a-{i % 7}", "timestamp": str(NOW), "packets": str(10 + i % 5),
            "loss": str(i % 3), "latency": "4.5", "run": "r", "seq": str(i)}


def produce(client, first, count):
    pipe = client.pipeline(transaction=False)
    for i in range(first, first + count):
        pipe.xadd("antenna_stream", report(i))
    pipe.execute()


def wait_metric(port, name, value, timeout_s=20):
    wait_until(lambda: metric_value(port, name) == value, timeout_s, f"{name} == {value}")


def group(admin):
    return next(g for g in admin.xinfo_groups("antenna_stream") if g["name"] == "analytics")


def test_entries_deleted_unread_are_measured_and_the_repair_clears_the_lag(spawn, redis_server):
    producer, admin = redis_server.client("simulator"), redis_server.client()
    analytics = start_analytics(spawn, redis_server)
    produce(producer, 0, 100)
    wait_drained(analytics.port, 100)
    wait_metric(analytics.port, "analytics_stream_removed_unread", 0)
    assert analytics.stop() == 0

    # While no replica reads: 50 more, then one XADD that trims the stream to nothing,
    # itself included: 51 entries deleted unread.
    produce(producer, 100, 50)
    producer.execute_command("XADD", "antenna_stream", "MAXLEN", "0", "*",
                             *[x for kv in report(150).items() for x in kv])
    assert admin.xlen("antenna_stream") == 0

    analytics = start_analytics(spawn, redis_server)
    wait_metric(analytics.port, "analytics_stream_removed_unread", 51)
    produce(producer, 151, 20)
    wait_until(lambda: summary(analytics.port)["records"] == 120, 30, "the 20 new records")
    # Redis' lag keeps counting the deleted entries; analytics measures them all the same
    # with the group inside the stream again (the entries after its position are listed).
    wait_until(lambda: summary(analytics.port)["lag"] == 51, 10, "lag 51")
    time.sleep(2.5)  # two more measurements
    assert metric_value(analytics.port, "analytics_stream_removed_unread") == 51
    lines = [r for r in analytics.log_records()
             if r.get("msg") == "stream entries were deleted before the consumer group read them"]
    assert [r["removed_unread"] for r in lines] == [51], lines

    # The repair: the group's entries-read raised by what was deleted.
    g = group(admin)
    admin.execute_command("XGROUP", "SETID", "antenna_stream", "analytics",
                          g["last-delivered-id"], "ENTRIESREAD", g["entries-read"] + 51)
    wait_metric(analytics.port, "analytics_stream_removed_unread", 0)
    wait_drained(analytics.port, 120)

    expected = {"records": 0, "packets": 0, "loss": 0}
    for i in list(range(100)) + list(range(151, 171)):
        r = report(i)
        expected["records"] += 1
        expected["packets"] += int(r["packets"])
        expected["loss"] += int(r["loss"])
    body = summary(analytics.port)
    assert {k: body[k] for k in expected} == expected
    left = stream_sums(admin)
    assert left["records"] == 20
    assert metric_value(analytics.port, "analytics_stream_ids_exhausted") == 0


def test_a_maximal_id_is_reported_and_the_repair_lets_producers_write(spawn, redis_server):
    producer, admin = redis_server.client("simulator"), redis_server.client()
    analytics = start_analytics(spawn, redis_server)
    produce(producer, 0, 10)
    wait_drained(analytics.port, 10)
    maximal = "18446744073709551615-18446744073709551615"
    producer.xadd("antenna_stream", report(10), id=maximal)
    wait_metric(analytics.port, "analytics_stream_ids_exhausted", 1)
    lines = [r for r in analytics.log_records() if "largest there is" in r.get("msg", "")]
    assert len(lines) == 1, lines
    try:
        producer.xadd("antenna_stream", report(11))
        raise AssertionError("XADD * after a maximal id should fail")
    except Exception as error:  # redis.ResponseError
        assert "exhausted the last possible ID" in str(error)

    # The repair in broker-config/README.md: delete the entry, set the stream's last id
    # and the group's position back to the newest genuine entry. The entry itself was a
    # well-formed report, read and counted before the repair.
    wait_until(lambda: summary(analytics.port)["records"] == 11, 20, "11 records")
    admin.xdel("antenna_stream", maximal)
    newest = admin.xrevrange("antenna_stream", count=1)[0][0]
    admin.execute_command("XSETID", "antenna_stream", newest)
    admin.execute_command("XGROUP", "SETID", "antenna_stream", "analytics", newest)
    produce(producer, 11, 5)
    wait_metric(analytics.port, "analytics_stream_ids_exhausted", 0)
    wait_until(lambda: summary(analytics.port)["records"] == 16, 20, "16 records")
