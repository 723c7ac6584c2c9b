"""Extracts the JSON schema folders of a kubernetes-validate wheel for kubeconform.

usage: extract-schemas.py WHEEL OUT_DIR FOLDER...   (e.g. v1.34.0-local-strict)
The schemas' $refs point at "/api/_definitions.json" under an https://kubernetes.io $id
(kubernetes-validate's own loader maps that URL); the $id is dropped and the refs made relative
("_definitions.json"), so kubeconform resolves them from the file, offline.
"""
import json
import os
import sys
import zipfile

wheel, out, *folders = sys.argv[1:]
prefixes = [f"kubernetes_validate/kubernetes-json-schema/{folder}/" for folder in folders]
archive = zipfile.ZipFile(wheel)
for name in archive.namelist():
    if name.endswith("/") or not any(name.startswith(p) for p in prefixes):
        continue
    target = os.path.join(out, name.split("kubernetes-json-schema/", 1)[1])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    schema = json.loads(archive.read(name).replace(b'"/api/_definitions.json#', b'"_definitions.json#'))
    schema.pop("$id", None)
    with open(target, "w") as f:
        json.dump(schema, f)
