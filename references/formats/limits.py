"""``read_file`` with a time and memory limit: the file is read in a forked child process.

A pathological upload (a regular expression that backtracks for minutes, a workbook that
unpacks to gigabytes, a deeply nested document) then costs one child, which is killed at the
limit, and never the web or task worker that asked. The child only parses (no database, no
network), so forking is safe even from a threaded server.
"""

import faulthandler
import logging
import math
import multiprocessing
import os
import resource
import sys

from . import DEFAULT_MAX_RECORDS, ParsedRecords, ParseError, read_file

logger = logging.getLogger(__name__)
DEFAULT_SECONDS = 30.0
DEFAULT_MEMORY_MB = 1024


def read_file_limited(
    name: str,
    data: bytes,
    format: str | None = None,
    *,
    encoding: str | None = None,
    max_records: int = DEFAULT_MAX_RECORDS,
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> ParsedRecords:
    """``read_file`` in a child that may use ``seconds`` and ``memory_mb`` more memory; raises
    ``ParseError`` when the file cannot be read, or takes longer, or needs more."""
    context = multiprocessing.get_context("fork")
    sys.stdout.flush()
    sys.stderr.flush()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_in_child,
        args=(sender, name, data, format, encoding, max_records, memory_mb, seconds),
        name="reference-file-reader",
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise ParseError(
                f"Reading “{name}” took longer than {seconds:g} seconds, so it was stopped. "
                "Split the file into smaller ones."
            )
        try:
            outcome, payload = receiver.recv()
        except EOFError:
            outcome, payload = "crash", None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "records":
        return payload
    if outcome == "refused":
        raise payload
    logger.error("Reading reference file %r failed: %s (exit code %s)", name, payload, child.exitcode)
    if outcome == "crash" or payload.startswith("MemoryError"):
        raise ParseError(
            f"Reading “{name}” needed more memory than Cramps allows; split it into smaller files."
        )
    raise ParseError(f"Cramps could not read “{name}” ({payload.split(':')[0]}); nothing was imported.")


def _read_in_child(connection, name, data, format, encoding, max_records, memory_mb, seconds) -> None:
    try:
        faulthandler.disable()
        _lower_limit(resource.RLIMIT_AS, _address_space_bytes() + memory_mb * 1024 * 1024)
        _lower_limit(resource.RLIMIT_CPU, math.ceil(seconds) + 5)  # should the parent die
        _lower_limit(resource.RLIMIT_CORE, 0)
        connection.send(
            ("records", read_file(name, data, format, encoding=encoding, max_records=max_records))
        )
    except ParseError as error:
        connection.send(("refused", error))
    except MemoryError:
        connection.send(("error", "MemoryError"))
    except BaseException as error:
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _address_space_bytes() -> int:
    """This process's current virtual size; a forked child starts with its parent's."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _lower_limit(kind: int, soft: int) -> None:
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
