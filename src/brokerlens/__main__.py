from brokerlens.cli.main import run

run()
