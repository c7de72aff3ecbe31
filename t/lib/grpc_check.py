#!/usr/bin/python3
# A real gRPC client (Debian's python3-grpcio) against the gateway, for
# t/033-grpc.t; and the gRPC server behind it, in the same process.
#
#   grpc_check.py GATEWAY_PORT BACKEND_PORT CALLS_JSON
#
# CALLS_JSON: a list of {"method": "/test.Echo/Call", "token": "..."} (no
# "token": no Authorization).  The backend answers "user=<x-user>" (the
# claim header the gateway set).  Prints a JSON list of {"code": "OK" or a
# grpc.StatusCode name, "details": ..., "reply": ...}.

import json
import sys
from concurrent import futures

import grpc


def echo(request, context):
    md = dict(context.invocation_metadata())
    return ("user=" + md.get("x-user", "")).encode()


class Generic(grpc.GenericRpcHandler):
    def service(self, details):
        # raw bytes in and out: no serializers
        return grpc.unary_unary_rpc_method_handler(echo)


def main():
    gateway, backend, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((Generic(),))
    server.add_insecure_port("127.0.0.1:" + backend)
    server.start()

    out = []
    with grpc.insecure_channel("127.0.0.1:" + gateway) as channel:
        for c in calls:
            md = []
            if "token" in c:
                md.append(("authorization", "Bearer " + c["token"]))
            call = channel.unary_unary(c["method"])
            try:
                reply = call(b"hello", metadata=md, timeout=10)
                out.append({"code": "OK", "details": "",
                            "reply": reply.decode()})
            except grpc.RpcError as e:
                out.append({"code": e.code().name,
                            "details": e.details() or "", "reply": ""})

    server.stop(0)
    print(json.dumps(out))


main()
