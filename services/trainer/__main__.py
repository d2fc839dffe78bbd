"""`python -m services.trainer`: run the trainer service until SIGTERM (settings from AVATAR_*)."""

import sys

from services.runtime.server import main

if __name__ == "__main__":
    sys.exit(main("trainer"))
