#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Example: the C examples' work in Python, through the wavelaunch package.

    example.py [TEXT]

Registers a job kind of its own ("example.word_count") with the library's
worker, enqueues a job, waits for its result, then reports every client
page by page (keyset paging) with totals by status.  Settings as the apps
read them (.env, then WL_* variables)."""
import collections
import sys
import threading

import wavelaunch


def word_count(task):
    return {"words": len(task.args["text"].split())}


def main():
    text = sys.argv[1] if len(sys.argv) > 1 else "the quick brown fox"
    try:
        ctx = wavelaunch.Context(env_file=None)
    except wavelaunch.WavelaunchError as e:
        sys.exit("configuration: %s" % e)
    with ctx:
        job_id = ctx.jobs.enqueue("example.word_count", {"text": text}, queue="examples")
        with wavelaunch.Worker(ctx, queues="examples") as worker:
            worker.register("example.word_count", word_count)
            runner = threading.Thread(target=worker.run, kwargs={"max_jobs": 1})
            runner.start()
            job = ctx.jobs.wait(job_id, timeout=30)
            runner.join(30)
        print("job %s %s: %s" % (job_id, job["state"], job["log"][-1]["message"]))

        totals = collections.Counter()
        fees = collections.Counter()
        for client in ctx.clients.iterate(limit=25, sort="name"):
            totals[client["status"]] += 1
            fees[client["status"]] += client["monthly_fee_cents"]
        for status in sorted(totals):
            print("%-12s %5d clients, %12.2f a month" % (status, totals[status],
                                                        fees[status] / 100))
        print("%-12s %5d clients, %12.2f a month" % ("all", sum(totals.values()),
                                                    sum(fees.values()) / 100))
        return 0 if job["state"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
