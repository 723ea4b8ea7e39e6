"""``python -m microgradjp``: the same as the ``microgradjp`` command."""

import sys

from .tools.cli import main

sys.exit(main())
