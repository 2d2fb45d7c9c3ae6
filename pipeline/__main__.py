"""``python -m pipeline`` is the ``medmine`` command."""
from .cli import main

main()
