#!/usr/bin/env python3
"""Reduce `tshark -T json` output to the compact expectations kept in Fixtures/tshark.

Standard library only.  Reads tshark's JSON (which repeats keys; the order of
repeated keys is the order of the dissection tree, so the JSON is parsed into
ordered lists of (key, value) pairs, never into dicts) and writes one JSON
document:

    {"tshark_version": str, "capture": str,
     "isakmp": [obj, ...], "esp": [obj, ...], "ah": [obj, ...],
     "nat_keepalive": [frame, ...]}

See Fixtures/README.md ("tshark expectations") for the exact schema.

usage: tshark_reduce.py --capture REL --version VER [--input FILE] [--output FILE]
"""

import argparse
import json
import sys

# --------------------------------------------------------------------------
# helpers over the ordered (key, value) representation


def pairs_hook(pairs):
    return list(pairs)


def is_tree(v):
    return isinstance(v, list) and all(isinstance(p, tuple) and len(p) == 2 for p in v)


def first(tree, key):
    for k, v in tree:
        if k == key:
            return v
    return None


def walk(tree):
    """Yield every (key, value) pair of a tree, depth first, in order."""
    for k, v in tree:
        yield k, v
        if is_tree(v):
            yield from walk(v)


def hexs(v):
    """tshark FT_BYTES "aa:bb:cc" -> "aabbcc"; "0x1234abcd" -> "1234abcd"."""
    if v is None:
        return None
    if isinstance(v, list):
        return None
    s = str(v)
    if s.startswith("0x"):
        s = s[2:]
    return s.replace(":", "").lower()


def num(v):
    if v is None or isinstance(v, list):
        return None
    s = str(v)
    try:
        if s.startswith("0x"):
            return int(s, 16)
        return int(s)
    except ValueError:
        return None


def nbytes(v):
    h = hexs(v)
    return None if h is None else len(h) // 2


SEVERITY = {
    0x00100000: "comment",
    0x00200000: "chat",
    0x00400000: "note",
    0x00600000: "warning",
    0x00800000: "error",
}
GROUP = {
    0x01000000: "checksum", 0x02000000: "sequence", 0x03000000: "response_code",
    0x04000000: "request_code", 0x05000000: "undecoded", 0x06000000: "reassemble",
    0x07000000: "malformed", 0x08000000: "debug", 0x09000000: "protocol",
    0x0A000000: "security", 0x0B000000: "comment", 0x0C000000: "decryption",
    0x0D000000: "assumption", 0x0E000000: "deprecated",
}


def experts(layers):
    """All expert items of a frame, in order, with the layer they sit in."""
    out = []
    for lname, ltree in layers:
        if not is_tree(ltree):
            continue
        for k, v in walk(ltree):
            if k == "_ws.expert" and is_tree(v):
                sev = num(first(v, "_ws.expert.severity"))
                grp = num(first(v, "_ws.expert.group"))
                out.append({
                    "layer": lname,
                    "message": first(v, "_ws.expert.message"),
                    "severity": SEVERITY.get(sev, sev),
                    "group": GROUP.get(grp, grp),
                })
    return out


def malformed(layers):
    for lname, ltree in layers:
        if lname == "_ws.malformed":
            return True
        if is_tree(ltree):
            for k, _ in walk(ltree):
                if k == "_ws.malformed":
                    return True
    return False


# --------------------------------------------------------------------------
# ISAKMP payloads

ATTR_KEYS = ("isakmp.ike.attr", "isakmp.ipsec.attr", "isakmp.ike2.attr",
             "isakmp.notify.data.resp_lifetime.ike.attr",
             "isakmp.notify.data.resp_lifetime.ipsec.attr")


def attribute(tree, key):
    a = {"type": num(first(tree, key + ".type")),
         "format": num(first(tree, key + ".format")),  # 1 = TV (AF bit set), 0 = TLV
         "value": hexs(first(tree, key + ".value"))}
    ln = first(tree, key + ".length")
    if ln is not None:
        a["length"] = num(ln)
    return a


def transform(tree):
    t = {"number": num(first(tree, "isakmp.trans.number")),
         "id": num(first(tree, "isakmp.trans.id"))}
    if t["id"] is None:  # IKEv2
        t["tf_type"] = num(first(tree, "isakmp.tf.type"))
        t["id"] = num(first(tree, "isakmp.tf.id"))
        if t["id"] is None:
            for k, v in tree:
                if k.startswith("isakmp.tf.id."):
                    t["id"] = num(v)
                    break
    t["length"] = num(first(tree, "isakmp.payloadlength"))
    t["attributes"] = [attribute(v, k) for k, v in tree if k in ATTR_KEYS and is_tree(v)]
    return t


def proposal(tree):
    p = {"number": num(first(tree, "isakmp.prop.number")),
         "protoid": num(first(tree, "isakmp.prop.protoid")),
         "spisize": num(first(tree, "isakmp.spisize")),
         "spi": hexs(first(tree, "isakmp.spi")),
         "ntransforms": num(first(tree, "isakmp.prop.transforms")),
         "length": num(first(tree, "isakmp.payloadlength"))}
    p["transforms"] = [transform(v) for k, v in tree
                       if k == "isakmp.typepayload_tree" and is_tree(v)]
    return p


def payload(ptype, tree):
    """One top-level payload.  Keys are present only when tshark shows the field."""
    p = {"type": ptype,
         "length": num(first(tree, "isakmp.payloadlength")),
         "next": num(first(tree, "isakmp.nextpayload"))}
    leaves = {}
    for k, v in tree:          # direct children only, first occurrence
        if k not in leaves:
            leaves[k] = v

    def put(name, key, conv):
        if key in leaves:
            p[name] = conv(leaves[key])

    # SA (1; IKEv2 33)
    put("doi", "isakmp.sa.doi", num)
    put("situation", "isakmp.sa.situation", hexs)
    if ptype in (1, 33):
        p["proposals"] = [proposal(v) for k, v in tree
                          if k == "isakmp.typepayload_tree" and is_tree(v)]
    # KE (4; 34)
    put("dh_group", "isakmp.key_exchange.dh_group", num)
    put("ke_len", "isakmp.key_exchange.data", nbytes)
    # ID (5; 35, 36)
    put("id_type", "isakmp.id.type", num)
    put("id_protoid", "isakmp.id.protoid", num)
    put("id_port", "isakmp.id.port", num)
    idd = leaves.get("isakmp.id.data")
    if is_tree(idd):
        vals = [(k[len("isakmp.id.data."):], v) for k, v in idd
                if k.startswith("isakmp.id.data.") and not is_tree(v)]
        if vals:
            p["id_data"] = [{"field": k, "value": v} for k, v in vals]
    # CERT (6), CR (7)
    put("cert_encoding", "isakmp.cert.encoding", num)
    put("certreq_type", "isakmp.certreq.type", num)
    # HASH (8)
    put("hash", "isakmp.hash", hexs)
    # SIG (9)
    put("sig_len", "isakmp.sig", nbytes)
    # NONCE (10; 40)
    put("nonce_len", "isakmp.nonce", nbytes)
    # N (11; 41)
    put("doi", "isakmp.notify.doi", num)
    put("protoid", "isakmp.notify.protoid", num)
    put("notify_type", "isakmp.notify.msgtype", num)
    put("notify_data", "isakmp.notify.data", hexs)
    # D (12; 42)
    put("doi", "isakmp.delete.doi", num)
    put("protoid", "isakmp.delete.protoid", num)
    put("nspis", "isakmp.spinum", num)
    if ptype in (11, 12, 41, 42):
        put("spisize", "isakmp.spisize", num)
        spis = [hexs(v) for k, v in tree if k in ("isakmp.spi", "isakmp.delete.spi")]
        if spis:
            p["spis"] = spis
    # VID (13; 43)
    put("vid", "isakmp.vid_bytes", hexs)
    put("vid_string", "isakmp.vid_string", str)
    # NAT-D (20, 130; and IKEv2 notify-borne hashes are in notify_data)
    put("nat_hash", "isakmp.ike.nat_hash", hexs)
    # NAT-OA (21, 131)
    put("nat_oa_ipv4", "isakmp.ike.nat_original_address_ipv4", str)
    put("nat_oa_ipv6", "isakmp.ike.nat_original_address_ipv6", str)
    # IKEv1 fragment (132) / IKEv2 SKF (53)
    put("frag_id", "isakmp.frag.packetid", num)
    put("frag_number", "isakmp.frag.number", num)
    put("frag_total", "isakmp.frag.total", num)
    put("frag_seq", "isakmp.frag.seq", num)
    put("frag_last", "isakmp.frag.last", num)
    # The fragment that completed tshark's reassembly: the frames and the message they made
    frags, inner = leaves.get("isakmp.fragments"), leaves.get("isakmp")
    if is_tree(frags) and is_tree(inner):
        p["reassembled"] = {"fragments": [num(v) for k, v in frags if k == "isakmp.fragment"],
                            "length": num(first(frags, "isakmp.reassembled.length")),
                            "message": message_obj(inner)}
    # Transaction / config (14; 47)
    put("cfg_type", "isakmp.cfg.type", num)
    put("cfg_identifier", "isakmp.cfg.identifier", num)
    # IKEv2 SK payload (46) or anything carrying encrypted data
    if "isakmp.enc.data" in leaves:
        p["encrypted"] = True
    return p


def isakmp_obj(frame, ip, udp, udpencap, fragments, tree, layers):
    o = {"frame": frame,
         "src": ip[0] if ip else None, "dst": ip[1] if ip else None,
         "srcport": udp[0] if udp else None, "dstport": udp[1] if udp else None,
         "non_esp_marker": udpencap,
         "ip_fragments": fragments}
    o.update(message_obj(tree))
    o["malformed"] = malformed(layers)
    o["expert"] = experts(layers)
    return o


def message_obj(tree):
    """Header fields and payloads of one ISAKMP message tree."""
    o = {"ispi": hexs(first(tree, "isakmp.ispi")),
         "rspi": hexs(first(tree, "isakmp.rspi")),
         "nextpayload": num(first(tree, "isakmp.nextpayload")),
         "version": num(first(tree, "isakmp.version")),
         "exchtype": num(first(tree, "isakmp.exchangetype")),
         "flags": num(first(tree, "isakmp.flags")),
         "messageid": hexs(first(tree, "isakmp.messageid")),
         "length": num(first(tree, "isakmp.length"))}
    if o["messageid"] is not None:
        o["messageid"] = o["messageid"].rjust(8, "0")
    payloads = []
    for k, v in tree:
        if k == "isakmp.typepayload":
            ptype = num(v)
            payloads.append((ptype, []))
        elif k == "isakmp.typepayload_tree" and is_tree(v) and payloads:
            payloads[-1] = (payloads[-1][0], v)
    plist = [payload(t, tr) for t, tr in payloads]
    o["payload_types"] = [p["type"] for p in plist]
    o["payload_lengths"] = [p["length"] for p in plist]
    o["encrypted_data"] = first(tree, "isakmp.enc.data") is not None
    extra = first(tree, "isakmp.extradata")
    o["extra_data_len"] = nbytes(extra) if extra is not None else None
    o["payloads"] = plist
    return o


# --------------------------------------------------------------------------


def reduce_packets(packets):
    res = {"isakmp": [], "esp": [], "ah": [], "nat_keepalive": [], "other_udp_500_4500": []}
    for pkt in packets:
        source = first(pkt, "_source")
        layers = first(source, "layers") if source else None
        if not layers:
            continue
        fr = first(layers, "frame")
        frame = num(first(fr, "frame.number")) if fr else None
        truncated = bool(fr) and num(first(fr, "frame.cap_len")) != num(first(fr, "frame.len"))
        before = (len(res["isakmp"]), len(res["esp"]), len(res["nat_keepalive"]))
        ike_udp = None
        ip = None
        udp = None
        udpencap = False
        fragments = []
        for lname, ltree in layers:
            if not is_tree(ltree):
                continue
            if lname in ("ip", "ipv6"):
                pre = "ip." if lname == "ip" else "ipv6."
                ip = (first(ltree, pre + "src"), first(ltree, pre + "dst"))
                udp = None
                udpencap = False
                ftree = first(ltree, pre + "fragments_tree")
                if is_tree(ftree):
                    fragments = [num(v) for k, v in ftree if k == pre + "fragment"]
            elif lname == "udp":
                udp = (num(first(ltree, "udp.srcport")), num(first(ltree, "udp.dstport")))
                if ike_udp is None and (set(udp) & {500, 4500}):
                    ike_udp = (ip, udp, nbytes(first(ltree, "udp.payload")))
            elif lname == "udpencap":
                if first(ltree, "udpencap.nat_keepalive") is not None:
                    res["nat_keepalive"].append(frame)
                if first(ltree, "udpencap.non_esp_marker") is not None:
                    udpencap = True
            elif lname == "isakmp":
                o = isakmp_obj(frame, ip, udp, udpencap, fragments, ltree, layers)
                o["truncated"] = truncated
                res["isakmp"].append(o)
            elif lname == "esp":
                res["esp"].append({
                    "frame": frame,
                    "src": ip[0] if ip else None, "dst": ip[1] if ip else None,
                    "udp_encapsulated": udp is not None,
                    "srcport": udp[0] if udp else None, "dstport": udp[1] if udp else None,
                    "spi": hexs(first(ltree, "esp.spi")).rjust(8, "0")
                    if first(ltree, "esp.spi") is not None else None,
                    "seq": num(first(ltree, "esp.sequence")),
                    "malformed": malformed(layers),
                    "truncated": truncated,
                })
            if lname == "ipv6":
                # tshark 4.0 shows IPv6 extension headers, AH included, inside the ipv6 tree
                for k, v in ltree:
                    if k == "ah" and is_tree(v):
                        res["ah"].append(ah_obj(frame, ip, v, layers))
            elif lname == "ah":
                res["ah"].append(ah_obj(frame, ip, ltree, layers))
        after = (len(res["isakmp"]), len(res["esp"]), len(res["nat_keepalive"]))
        if ike_udp is not None and after == before:
            # UDP 500/4500 datagram that tshark did not dissect as ISAKMP, ESP or keepalive
            ip0, udp0, plen = ike_udp
            res["other_udp_500_4500"].append({
                "frame": frame,
                "src": ip0[0] if ip0 else None, "dst": ip0[1] if ip0 else None,
                "srcport": udp0[0], "dstport": udp0[1],
                "udp_payload_len": plen,
                "truncated": truncated,
                "protocols": first(fr, "frame.protocols") if fr else None,
                "malformed": malformed(layers),
                "expert": experts(layers),
            })
    return res


def ah_obj(frame, ip, ltree, layers):
    spi = first(ltree, "ah.spi")
    return {
        "frame": frame,
        "src": ip[0] if ip else None, "dst": ip[1] if ip else None,
        "next_header": num(first(ltree, "ah.next_header")),
        "length": num(first(ltree, "ah.length")),
        "spi": hexs(spi).rjust(8, "0") if spi is not None else None,
        "seq": num(first(ltree, "ah.sequence")),
        "icv": hexs(first(ltree, "ah.icv")),
        "malformed": malformed(layers),
    }


def dump(doc):
    """Compact but diff-friendly: one line per frame object."""
    lines = ["{"]
    lines.append('"tshark_version": %s,' % json.dumps(doc["tshark_version"]))
    lines.append('"capture": %s,' % json.dumps(doc["capture"]))
    keys = ["isakmp", "esp", "ah", "nat_keepalive", "other_udp_500_4500"]
    for i, key in enumerate(keys):
        items = doc[key]
        tail = "," if i < len(keys) - 1 else ""
        if key == "nat_keepalive" or not items:
            lines.append('"%s": %s%s' % (key, json.dumps(items), tail))
            continue
        lines.append('"%s": [' % key)
        for j, it in enumerate(items):
            sep = "," if j < len(items) - 1 else ""
            lines.append(json.dumps(it, ensure_ascii=False, separators=(",", ":")) + sep)
        lines.append("]" + tail)
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", required=True, help="capture path relative to Fixtures/captures")
    ap.add_argument("--version", required=True, help="tshark version string")
    ap.add_argument("--input", help="tshark -T json output (default stdin)")
    ap.add_argument("--output", help="output file (default stdout)")
    a = ap.parse_args()
    raw = open(a.input, "rb").read() if a.input else sys.stdin.buffer.read()
    text = raw.decode("utf-8", errors="replace")
    packets = json.loads(text, object_pairs_hook=pairs_hook) if text.strip() else []
    doc = {"tshark_version": a.version, "capture": a.capture}
    doc.update(reduce_packets(packets))
    out = dump(doc)
    json.loads(out)  # self-check
    if a.output:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(out)
    else:
        sys.stdout.write(out)


if __name__ == "__main__":
    main()
