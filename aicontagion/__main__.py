"""``python -m aicontagion`` runs the command line."""

import sys

from aicontagion.cli import main

sys.exit(main())
