"""python -m services.aggregator worker | rebuild --from store|topic | verify --from store|topic"""
from __future__ import annotations

import sys

import click

from shared.platform.config import ConfigError, Settings

from services.aggregator.pipeline.worker import DEFAULT_BATCH


@click.group()
@click.pass_context
def main(ctx):
    """Aggregator: the Kafka worker, and full recomputation of its state."""
    try:
        ctx.obj = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 100000),
              help="most records folded and written together (polls are gathered up to this many)")
@click.option("--session-timeout-ms", default=10000, show_default=True, type=click.IntRange(6000, 300000),
              help="how long the group waits for a silent worker before giving its partitions to the others")
@click.pass_obj
def worker(settings, batch_size, session_timeout_ms):
    """Run a worker of the aggregator's consumer group (run several to share partitions)."""
    from services.aggregator.pipeline.worker import main as worker_main
    worker_main(settings, batch_size=batch_size, session_timeout_ms=session_timeout_ms)


SOURCE = click.option("--from", "source", type=click.Choice(["store", "topic"]), default="store", show_default=True,
                      help="recompute from the stored responses or by replaying the topic")


def _recompute(settings, source):
    from shared.platform import db

    from services.aggregator.pipeline import rebuild

    db.connect(settings, pool_size=4)
    committed, total = rebuild.sizes(source, settings)
    click.echo(f"committed offsets of the group: {committed}", err=True)
    with click.progressbar(length=total, label=f"recomputing from the {source}", file=sys.stderr,
                           show_pos=True) as bar:
        result = rebuild.recompute(source, settings, committed, progress=bar.update)
    click.echo(f"{result.events} events folded into {len(result.docs)} documents"
               + (f", {result.skipped} invalid skipped" if result.skipped else ""), err=True)
    return result


@main.command("rebuild")
@SOURCE
@click.pass_obj
def rebuild_cmd(settings, source):
    """Recompute the indicator state and replace it. Stop the workers first."""
    from services.aggregator.pipeline import rebuild

    result = _recompute(settings, source)
    with click.progressbar(length=len(result.docs), label="writing state", file=sys.stderr, show_pos=True) as bar:
        written = rebuild.write(settings, result, progress=bar.update)
    click.echo(f"rebuilt: {written['written']} documents written, {written['deleted']} stale removed "
               f"(kinds: {', '.join(result.kinds)})")


@main.command()
@SOURCE
@click.pass_obj
def verify(settings, source):
    """Compare the incremental state with a recomputation; print the differences."""
    from services.aggregator.pipeline import rebuild

    result = _recompute(settings, source)
    diffs = rebuild.differences(rebuild.incremental(settings, result.kinds), result)
    for line in diffs:
        click.echo(line)
    if diffs:
        raise SystemExit(1)
    click.echo(f"equal: {len(result.docs)} documents (kinds: {', '.join(result.kinds)})")


if __name__ == "__main__":
    sys.exit(main())
