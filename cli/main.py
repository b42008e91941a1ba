"""The `nurture` command line."""

from __future__ import annotations

import typer

from cli import classify, data, demo, slack
from cli import drafts as drafts_cli
from cli.ask import ask as ask_command
from cli.eval import eval_command
from cli.simulate import simulate as simulate_command
from cli.worker import imap_poll, unconfirmed, worker

app = typer.Typer(
    help="nurture: an AI lead-nurture agent.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.command("import")(data.import_file)
app.command()(data.rescore)
app.command()(data.segments)
app.command()(data.lead)
app.command()(demo.demo)
app.command()(slack.slack)
app.command("eval")(eval_command)
app.command()(classify.classify)
app.command("eval-replies")(classify.eval_replies)
app.command()(drafts_cli.draft)
app.add_typer(drafts_cli.app, name="drafts")
app.command("ask")(ask_command)
app.command()(worker)
app.command()(unconfirmed)
app.command("imap-poll")(imap_poll)
app.command("simulate")(simulate_command)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the HTTP API (OpenAPI docs at /docs); starts the embedded database if configured."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=host, port=port)


if __name__ == "__main__":
    app()
