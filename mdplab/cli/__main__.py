"""``python -m mdplab.cli ...`` is ``mdplab ...``."""
import sys

from . import main

sys.exit(main())
