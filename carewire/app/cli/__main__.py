"""`python -m carewire.app.cli`, the same as the `carewire` script."""

import sys

from carewire.app.cli import main

sys.exit(main())
