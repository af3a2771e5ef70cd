"""``python -m sim`` runs the chipsim command."""

from sim.interfaces.cli import main

main(prog_name="chipsim")
