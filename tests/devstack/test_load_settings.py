"""The devstack's settings for load work: how many function hosts, Dataverse's service protection, and the queue
settings handed to a host in another process; a host process that cannot start says why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from devstack.config import DevstackLoad, QueueSettings, host_json_queues, queue_settings, timespan
from devstack.dataverse_emulator.service_limits import Limits
from devstack.host_processes import HostProcesses


def test_make_run_keeps_one_host_and_no_dataverse_limits_by_default() -> None:
    assert DevstackLoad.from_env({}) == DevstackLoad(function_hosts=1, dataverse_limits=None)


def test_hosts_and_dataverse_limits_come_from_devstack_settings() -> None:
    load = DevstackLoad.from_env({"DEVSTACK_FUNCTION_HOSTS": "4", "DEVSTACK_DATAVERSE_LIMITS": "on",
                                  "DEVSTACK_DATAVERSE_TIME_SCALE": "60", "DEVSTACK_DATAVERSE_OPERATION_MS": "20"})
    assert load.function_hosts == 4
    assert load.dataverse_limits == Limits(time_scale=60, operation_ms=20)


@pytest.mark.parametrize("env", [{"DEVSTACK_FUNCTION_HOSTS": "0"}, {"DEVSTACK_DATAVERSE_LIMITS": "maybe"},
                                 {"DEVSTACK_DATAVERSE_LIMITS": "on", "DEVSTACK_DATAVERSE_TIME_SCALE": "0"}])
def test_a_wrong_load_setting_stops_the_start(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        DevstackLoad.from_env(env)


def test_queue_settings_travel_as_host_json_writes_them() -> None:
    settings = QueueSettings(batch_size=4, max_dequeue_count=3, visibility_timeout=timedelta(seconds=1.5),
                             max_polling_interval=timedelta(milliseconds=200), message_encoding="none")
    written = host_json_queues(settings)
    assert written["maxPollingInterval"] == "00:00:00.2000000"
    assert queue_settings(written) == settings
    assert timespan(timedelta(days=1, seconds=1)) == "24:00:01.0000000"


def test_a_host_process_that_cannot_start_fails_the_start_with_its_log(tmp_path: Path) -> None:
    hosts = HostProcesses(1, {"AzureWebJobsStorage": ""}, log_folder=tmp_path, log_level="WARNING")
    try:
        with pytest.raises(RuntimeError, match="AzureWebJobsStorage"):
            hosts.start()
    finally:
        hosts.stop()
    assert (tmp_path / "host-2.log").is_file()
