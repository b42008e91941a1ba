"""The `nurture` command line."""

from __future__ import annotations

import typer

from cli import data, demo, slack
from cli.eval import eval_command

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


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the HTTP API (OpenAPI docs at /docs); starts the embedded database if configured."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=host, port=port)


if __name__ == "__main__":
    app()
