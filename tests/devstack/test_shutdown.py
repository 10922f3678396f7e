"""The stop signals in-process: the handler records, the main thread wakes, a burst is one stop, and the previous
handlers come back."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from devstack.shutdown import StopRequested, StopSignals


def test_a_signal_wakes_the_waiting_main_thread_and_checkpoints_raise() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals.install() as signals:
        signals.checkpoint()  # nothing arrived yet: no stop
        assert signals.wait(timeout=0.05) is False
        os.kill(os.getpid(), signal.SIGTERM)
        assert signals.wait() is True
        assert signals.last_signal == signal.SIGTERM
        with pytest.raises(StopRequested):
            signals.checkpoint()
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_burst_from_another_thread_while_waiting_is_one_stop() -> None:
    with StopSignals.install() as signals:
        def burst() -> None:
            for number in (signal.SIGINT, signal.SIGTERM) * 5:
                os.kill(os.getpid(), number)

        sender = threading.Thread(target=burst)
        sender.start()
        assert signals.wait() is True
        sender.join()
        # whatever the interleaving, every later signal only sets the same flag: waiting again returns at once
        assert signals.wait(timeout=0) is True
        assert 1 <= signals.received <= 10


def test_ctrl_c_no_longer_raises_keyboard_interrupt_while_installed() -> None:
    with StopSignals.install() as signals:
        os.kill(os.getpid(), signal.SIGINT)
        signals.wait()
    interrupted = False
    try:
        os.kill(os.getpid(), signal.SIGINT)
        threading.Event().wait(5)  # the default handler raises at the next bytecode, long before this ends
    except KeyboardInterrupt:
        interrupted = True
    assert interrupted, "the previous handler (Python's default for Ctrl-C) is back"
