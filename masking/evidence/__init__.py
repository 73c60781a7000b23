"""The workstation's side of the security office's evidence service (no database driver here).

``identity``: the workstation's Ed25519 identity key; ``envelope``: the signed wire format both sides
read and write; ``client``: HTTP with the standard library; ``link``: enrollment and what has been
acknowledged; ``sync``: reporting the ledger and its trace data, and the unsynced limit.
"""
