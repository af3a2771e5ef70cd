"""``python -m sim`` runs the chipsim command."""

from sim.cli import main

main(prog_name="chipsim")
