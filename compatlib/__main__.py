"""``python -m compatlib``: the same as the ``compatlib`` command."""

import sys

from compatlib.cli.app import main

sys.exit(main())
