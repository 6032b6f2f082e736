"""``python -m ttsbench`` runs the command line."""

import sys

from ttsbench.cli import main

sys.exit(main())
