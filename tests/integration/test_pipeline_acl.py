"""The Redis ACL users: each can do its job and nothing more (NOPERM is a reply, so the
reply text is checked, not an exit status)."""
import subprocess

import pytest
import redis


def cli(redis_server, user, *command):
    out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "--user", user, "--pass",
                          redis_server.passwords[user], "--no-auth-warning", *command],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def test_default_user_is_disabled(redis_server):
    """Its permissions serve only the AOF replay (see users.acl.template): no client can
    use them, neither unauthenticated nor by naming it."""
    for command in (("PING",), ("XADD", "antenna_stream", "*", "a", "1"),
                    ("HSET", "antenna_stream:ckpt:x", "a", "b")):
        out = subprocess.run(["redis-cli", "-p", str(redis_server.port), *command],
                             capture_output=True, text=True, timeout=10).stdout
        assert "NOAUTH" in out, command
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        redis.Redis(port=redis_server.port, username="default", password="").ping()
    assert redis_server.client().xlen("antenna_stream") == 0


def test_simulator_may_only_append_to_the_stream_and_read_its_tail(redis_server):
    assert cli(redis_server, "simulator", "XADD", "antenna_stream", "*", "a", "1").count("-") == 1
    # reading back is how it learns which reports a restarted Redis still holds
    assert "antenna_stream" not in cli(redis_server, "simulator", "XRANGE", "antenna_stream", "-", "+")
    assert "NOPERM" not in cli(redis_server, "simulator", "XREVRANGE", "antenna_stream", "+", "-",
                               "COUNT", "1")
    assert "NOPERM" in cli(redis_server, "simulator", "XRANGE", "other", "-", "+")
    assert "NOPERM" in cli(redis_server, "simulator", "XREADGROUP", "GROUP", "g", "c", "STREAMS",
                           "antenna_stream", ">")
    assert "NOPERM" in cli(redis_server, "simulator", "XDEL", "antenna_stream", "0-1")
    assert "NOPERM" in cli(redis_server, "simulator", "XTRIM", "antenna_stream", "MAXLEN", "0")
    assert "NOPERM" in cli(redis_server, "simulator", "XADD", "other", "*", "a", "1")
    assert "NOPERM" in cli(redis_server, "simulator", "DEL", "antenna_stream")
    assert "NOPERM" in cli(redis_server, "simulator", "FLUSHALL")
    assert "NOPERM" in cli(redis_server, "simulator", "CONFIG", "GET", "*")


def test_analytics_may_only_do_its_job(redis_server):
    assert cli(redis_server, "analytics", "XGROUP", "CREATE", "antenna_stream", "g", "0",
               "MKSTREAM") == "OK"
    assert cli(redis_server, "analytics", "XREADGROUP", "GROUP", "g", "c", "STREAMS",
               "antenna_stream", ">") == ""
    assert cli(redis_server, "analytics", "XADD", "antenna_stream:dlq", "*", "a", "1").count("-") == 1
    assert cli(redis_server, "analytics", "HSET", "antenna_stream:ckpt:c", "meta", "x") == "1"
    assert "NOPERM" in cli(redis_server, "analytics", "XADD", "antenna_stream", "*", "a", "1")
    assert "NOPERM" in cli(redis_server, "analytics", "DEL", "antenna_stream")
    assert "NOPERM" in cli(redis_server, "analytics", "XTRIM", "antenna_stream", "MAXLEN", "0")
    assert "NOPERM" in cli(redis_server, "analytics", "HSET", "elsewhere", "a", "b")
    assert "NOPERM" in cli(redis_server, "analytics", "KEYS", "*")
    assert "NOPERM" in cli(redis_server, "analytics", "FLUSHALL")


def test_analytics_may_adopt_a_gone_replica_and_nothing_more(redis_server):
    """Adoption's commands: leases (SET PX) on lease keys only, WATCH on lease and
    checkpoint keys, XINFO CONSUMERS, XCLAIM and XGROUP DELCONSUMER on the stream."""
    def ok(*command):
        out = cli(redis_server, "analytics", *command)
        assert "NOPERM" not in out and "ERR" not in out, (command, out)
        return out

    ok("XGROUP", "CREATE", "antenna_stream", "analytics", "0", "MKSTREAM")
    redis_server.client().xadd("antenna_stream", {"a": "1"})
    ok("XREADGROUP", "GROUP", "analytics", "gone", "STREAMS", "antenna_stream", ">")
    assert ok("SET", "antenna_stream:lease:gone", "gone", "PX", "60000") == "OK"
    assert ok("EXISTS", "antenna_stream:lease:gone") == "1"
    assert ok("WATCH", "antenna_stream:lease:gone") == "OK"
    assert ok("WATCH", "antenna_stream:ckpt:gone", "antenna_stream:ckpt:me") == "OK"
    assert ok("UNWATCH") == "OK"
    assert "gone" in ok("XINFO", "CONSUMERS", "antenna_stream", "analytics")
    claimed = ok("XCLAIM", "antenna_stream", "analytics", "me", "0",
                 redis_server.client().xrange("antenna_stream")[0][0])
    assert claimed.count("-") == 1
    assert ok("XGROUP", "DELCONSUMER", "antenna_stream", "analytics", "gone") == "0"
    assert ok("DEL", "antenna_stream:ckpt:gone") == "0"
    # leases are plain strings on lease keys only; nothing else gains a command
    for command in (("SET", "antenna_stream:ckpt:x", "1"), ("SET", "antenna_stream", "1"),
                    ("SET", "elsewhere", "1"), ("HSET", "antenna_stream:lease:x", "a", "b"),
                    ("DEL", "antenna_stream:lease:gone"), ("GET", "antenna_stream:lease:gone"),
                    ("WATCH", "antenna_stream:lease:gone", "antenna_stream:ckpt:gone"),
                    ("WATCH", "elsewhere"), ("XGROUP", "DESTROY", "antenna_stream", "analytics"),
                    ("XGROUP", "SETID", "antenna_stream", "analytics", "0"),
                    ("XINFO", "CONSUMERS", "elsewhere", "analytics"),
                    ("XCLAIM", "elsewhere", "analytics", "me", "0", "0-1"),
                    ("SCAN", "0"), ("EVAL", "return 1", "0")):
        assert "NOPERM" in cli(redis_server, "analytics", *command), command


def test_wrong_password_is_refused(redis_server):
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        redis.Redis(port=redis_server.port, username="analytics", password="wrong").ping()
