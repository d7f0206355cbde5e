"""``python3 -m gymwire serve ID [ID ...]``: see cli.py."""
import sys

from .cli import main

sys.exit(main())
