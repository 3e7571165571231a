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
    out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "PING"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "NOAUTH" in out


def test_simulator_may_only_append_to_the_stream(redis_server):
    assert cli(redis_server, "simulator", "XADD", "antenna_stream", "*", "a", "1").count("-") == 1
    assert "NOPERM" in cli(redis_server, "simulator", "XRANGE", "antenna_stream", "-", "+")
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


def test_wrong_password_is_refused(redis_server):
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        redis.Redis(port=redis_server.port, username="analytics", password="wrong").ping()
