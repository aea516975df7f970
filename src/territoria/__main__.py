import sys

from territoria.cli import main

sys.exit(main())
