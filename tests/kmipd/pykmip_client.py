#!/usr/bin/python3
"""Debian's PyKMIP 0.10 client (kmip.pie.client.ProxyKmipClient) against a running kmipd (issue 3, Acceptance).

Run by kmipd_e2e_test (tests/kmipd/kmipd_e2e_test.cpp) with /usr/bin/python3, the interpreter python3-pykmip is
installed for (reference/pykmip-peer.md):

    pykmip_client.py HOST PORT CLIENT_CERT CLIENT_KEY CA_CERT

Create, Register (a kmip.pie.objects.SymmetricKey), Get, Get Attributes, Get Attribute List, Activate, Locate,
Revoke and Destroy must succeed; destroying an Active key and naming an unknown identifier must fail as the spec
says. PyKMIP's client speaks KMIP 1.2 by default; in 1.x kmipd answers Destroy of an Active key with Permission
Denied (docs/kmipd-engine.md, "Result reasons that depend on the version"), an unknown identifier with Item Not
Found. Each step prints one line; key material the script handled is printed as "MATERIAL <hex>" so that the test
can look for it in kmipd's logs. Exit status 0 when every check held, 1 with "FAIL: ..." on the first mismatch.
"""
import os
import sys
import traceback
import warnings

warnings.simplefilter("ignore")  # ssl.wrap_socket and SQLAlchemy deprecation noise of PyKMIP 0.10 on Python 3.11

from kmip import enums  # noqa: E402
from kmip.core.factories import attributes as attribute_factory  # noqa: E402
from kmip.pie import exceptions, objects  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402


class Mismatch(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Mismatch(what)


def expect_failure(what, reason, call, *args, **kwargs):
    """Runs call(*args, **kwargs), which must raise KmipOperationFailure with this Result Reason."""
    try:
        call(*args, **kwargs)
    except exceptions.KmipOperationFailure as e:
        check(e.reason == reason,
              "{}: expected Result Reason {}, got {} ({})".format(what, reason.name, e.reason.name, e.message))
        print("ok   {}: refused with {} ({})".format(what, e.reason.name, e.message))
        return
    raise Mismatch("{}: succeeded, but must fail with {}".format(what, reason.name))


def run(host, port, cert, key, ca):
    c = ProxyKmipClient(hostname=host, port=port, cert=cert, key=key, ca=ca, config_file="/dev/null",
                        kmip_version=enums.KMIPVersion.KMIP_1_2)
    c.open()
    try:
        uid = c.create(enums.CryptographicAlgorithm.AES, 256)
        check(isinstance(uid, str) and uid, "create: no Unique Identifier")
        print("ok   create -> {}".format(uid))

        material = os.urandom(32)
        registered = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, material)
        rid = c.register(registered)
        check(isinstance(rid, str) and rid and rid != uid, "register: bad Unique Identifier {!r}".format(rid))
        print("ok   register -> {}".format(rid))
        print("MATERIAL {}".format(material.hex()))

        created = c.get(uid)
        check(isinstance(created, objects.SymmetricKey), "get: not a SymmetricKey: {!r}".format(type(created)))
        check(len(created.value) == 32, "get: {} bytes of key material, want 32".format(len(created.value)))
        check(created.cryptographic_algorithm == enums.CryptographicAlgorithm.AES, "get: algorithm is not AES")
        print("ok   get {}".format(uid))
        print("MATERIAL {}".format(bytes(created.value).hex()))

        got = c.get(rid)
        check(bytes(got.value) == material, "get: the registered key came back with other material")
        print("ok   get {} (registered material identical)".format(rid))

        # By name: PyKMIP 0.10 cannot parse every attribute a 1.2 server must return for "all attributes"
        # (Original Creation Date, KMIP 1.2 §3.43, crashes its decoder); docs/kmipd-engine.md says more.
        got_uid, attributes = c.get_attributes(
            uid, ["State", "Cryptographic Algorithm", "Cryptographic Length", "Cryptographic Usage Mask",
                  "Object Type", "Unique Identifier", "Initial Date", "Digest"])
        check(got_uid == uid, "get_attributes: answered for {!r}".format(got_uid))
        by_name = {a.attribute_name.value: a.attribute_value for a in attributes}
        check("State" in by_name, "get_attributes: no State among {}".format(sorted(by_name)))
        check(by_name["State"].value == enums.State.PRE_ACTIVE,
              "get_attributes: State {} before Activate".format(by_name["State"].value))
        check(by_name.get("Cryptographic Length") is not None and by_name["Cryptographic Length"].value == 256,
              "get_attributes: Cryptographic Length is not 256")
        print("ok   get_attributes: {} attributes, State PRE_ACTIVE".format(len(attributes)))

        names = c.get_attribute_list(uid)
        for n in ("State", "Cryptographic Algorithm", "Cryptographic Length", "Unique Identifier"):
            check(n in names, "get_attribute_list: {!r} missing from {}".format(n, names))
        print("ok   get_attribute_list: {}".format(sorted(names)))

        c.activate(uid)
        _, attributes = c.get_attributes(uid, ["State"])
        check(len(attributes) == 1 and attributes[0].attribute_value.value == enums.State.ACTIVE,
              "activate: State is not ACTIVE afterwards")
        print("ok   activate {}".format(uid))

        f = attribute_factory.AttributeFactory()
        found = c.locate(attributes=[f.create_attribute(enums.AttributeType.STATE, enums.State.ACTIVE),
                                     f.create_attribute(enums.AttributeType.OBJECT_TYPE,
                                                        enums.ObjectType.SYMMETRIC_KEY)])
        check(uid in found, "locate (State Active): {} not among {}".format(uid, found))
        check(rid not in found, "locate (State Active): the Pre-Active {} is among {}".format(rid, found))
        print("ok   locate -> {} objects".format(len(found)))

        # KMIP 1.2 §4.21: only a key in Pre-Active, Deactivated or Compromised state may be destroyed.
        expect_failure("destroy of the Active key", enums.ResultReason.PERMISSION_DENIED, c.destroy, uid)
        check(uid in c.locate(attributes=[f.create_attribute(enums.AttributeType.STATE, enums.State.ACTIVE)]),
              "the refused destroy changed the key's state")

        c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid, revocation_message="e2e test")
        _, attributes = c.get_attributes(uid, ["State"])
        check(attributes[0].attribute_value.value == enums.State.DEACTIVATED, "revoke: State is not DEACTIVATED")
        print("ok   revoke {} -> DEACTIVATED".format(uid))

        c.destroy(uid)
        print("ok   destroy {}".format(uid))
        c.destroy(rid)  # Pre-Active: may be destroyed at once
        print("ok   destroy {}".format(rid))

        unknown = "no-such-object-4f1c"
        expect_failure("get of an unknown identifier", enums.ResultReason.ITEM_NOT_FOUND, c.get, unknown)
        expect_failure("destroy of an unknown identifier", enums.ResultReason.ITEM_NOT_FOUND, c.destroy, unknown)
        expect_failure("activate of an unknown identifier", enums.ResultReason.ITEM_NOT_FOUND, c.activate, unknown)
        expect_failure("get_attributes of an unknown identifier", enums.ResultReason.ITEM_NOT_FOUND,
                       c.get_attributes, unknown)
    finally:
        c.close()


def main(argv):
    if len(argv) != 6:
        print("usage: pykmip_client.py HOST PORT CLIENT_CERT CLIENT_KEY CA_CERT", file=sys.stderr)
        return 2
    try:
        run(argv[1], int(argv[2]), argv[3], argv[4], argv[5])
    except Mismatch as e:
        print("FAIL: {}".format(e))
        return 1
    except Exception:  # an unexpected failure (connection, an operation refused) is a mismatch too
        print("FAIL: unexpected exception")
        traceback.print_exc(file=sys.stdout)
        return 1
    print("all PyKMIP checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
