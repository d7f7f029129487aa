"""Start the web app: ``python app.py [--host H] [--port P] [--corpus PATH] [--model M]`` (the same as ``qa serve``)."""

import sys

from qa.app.serve import main, parse_args

__all__ = ["main", "parse_args"]

if __name__ == "__main__":
    sys.exit(main())
