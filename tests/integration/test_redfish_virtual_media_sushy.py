"""redfish_virtual_media against sushy-tools' emulator: insert and eject, four steps each."""

from four_steps import ImageServer, assert_idempotent, four_steps
from sushy_emulator import connection, sushy_emulator


def test_virtual_media_insert_eject(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "installer.iso").write_bytes(b"\0" * 4096)
    # The libvirt test driver has no storage pool for the downloaded image; the fake driver does.
    with ImageServer(images) as server, sushy_emulator(tmp_path, "fake") as (url, system_id):
        image_url = server.url + "/installer.iso"
        arguments = dict(connection(url, system_id), image_url=image_url, media_type="cd")
        inserted = four_steps("aifactory.infra.redfish_virtual_media", arguments, tmp_path, "media-present")
        ejected = four_steps("aifactory.infra.redfish_virtual_media", dict(arguments, state="absent"), tmp_path,
                             "media-absent")
    assert_idempotent(inserted)
    assert inserted[1]["slot"] == "Cd"
    assert inserted[1]["image"] == image_url
    assert_idempotent(ejected)
    assert ejected[1]["ejected"] == [image_url]
