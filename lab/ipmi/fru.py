"""Encoding of FRU inventory data (Platform Management FRU Information Storage Definition 1.0).

The lab's IPMI BMCs serve one FRU device (id 0, the system) built from a hardware profile:
a common header, then the chassis, board and product info areas.  Text fields use the
8-bit ASCII+Latin-1 type/length code; every area is padded to 8 bytes and ends with a
zero checksum.
"""

from __future__ import annotations

import datetime

FRU_EPOCH = datetime.datetime(1996, 1, 1, tzinfo=datetime.timezone.utc)
END_OF_FIELDS = 0xC1
CHASSIS_TYPE_RACK_MOUNT = 0x17
MAX_FIELD_BYTES = 63  # the type/length byte keeps the length in 6 bits


def checksum(data: bytes) -> int:
    """Return the byte that makes the sum of ``data`` and itself zero modulo 256."""
    return (-sum(data)) & 0xFF


def text_field(value: str | None) -> bytes:
    """Return a type/length byte and the Latin-1 bytes of ``value`` (an empty field for None)."""
    if not value:
        return bytes([0xC0])
    encoded = value.encode("latin-1", errors="replace")[:MAX_FIELD_BYTES]
    return bytes([0xC0 | len(encoded)]) + encoded


def _area(body: bytes) -> bytes:
    """Close an info area: end marker, zero padding to 8 bytes, checksum, length byte set."""
    data = bytearray(body) + bytes([END_OF_FIELDS])
    while (len(data) + 1) % 8:
        data.append(0)
    data[1] = (len(data) + 1) // 8
    data.append(checksum(data))
    return bytes(data)


def chassis_area(part_number: str | None, serial: str | None, chassis_type: int = CHASSIS_TYPE_RACK_MOUNT) -> bytes:
    return _area(bytes([0x01, 0x00, chassis_type]) + text_field(part_number) + text_field(serial))


def board_area(manufacturer: str | None, product: str | None, serial: str | None, part_number: str | None,
               manufactured: datetime.datetime | None = None) -> bytes:
    minutes = 0
    if manufactured is not None:
        minutes = int((manufactured - FRU_EPOCH).total_seconds() // 60)
    header = bytes([0x01, 0x00, 0x00]) + minutes.to_bytes(3, "little")
    fields = (text_field(manufacturer) + text_field(product) + text_field(serial) + text_field(part_number)
              + text_field(None))  # FRU file id
    return _area(header + fields)


def product_area(manufacturer: str | None, name: str | None, part_number: str | None, version: str | None,
                 serial: str | None, asset_tag: str | None) -> bytes:
    fields = (text_field(manufacturer) + text_field(name) + text_field(part_number) + text_field(version)
              + text_field(serial) + text_field(asset_tag) + text_field(None))  # FRU file id
    return _area(bytes([0x01, 0x00, 0x00]) + fields)


def encode_fru(fields: dict) -> bytes:
    """Return the FRU image for ``fields`` (the keys of ``system_fru_fields``)."""
    chassis = chassis_area(fields.get("chassis_part_number"), fields.get("chassis_serial"))
    board = board_area(fields.get("board_manufacturer"), fields.get("board_product"), fields.get("board_serial"),
                       fields.get("board_part_number"), fields.get("board_manufactured"))
    product = product_area(fields.get("product_manufacturer"), fields.get("product_name"),
                           fields.get("product_part_number"), fields.get("product_version"),
                           fields.get("product_serial"), fields.get("product_asset_tag"))

    # Offsets in the common header count 8-byte blocks from the start of the image.
    chassis_offset = 1
    board_offset = chassis_offset + len(chassis) // 8
    product_offset = board_offset + len(board) // 8
    header = bytearray([0x01, 0x00, chassis_offset, board_offset, product_offset, 0x00, 0x00])
    header.append(checksum(header))
    return bytes(header) + chassis + board + product
