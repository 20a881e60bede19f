"""`python -m skill` runs the `gentle-back` command line."""

import sys

from skill.cli import main

sys.exit(main())
