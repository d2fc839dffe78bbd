"""`python -m services.renderer`: run the renderer service until SIGTERM (settings from AVATAR_*)."""

import sys

from services.runtime.server import main

if __name__ == "__main__":
    sys.exit(main("renderer"))
