#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_virtual_media
short_description: Attach or detach a virtual media image (ISO or disk image) over Redfish
version_added: 0.1.0
description:
  - Makes an image URL attached (O(state=present)) or detached (O(state=absent)) in a virtual
    media slot of a system's BMC. Slots are read from the system or, on older BMCs, from its
    manager.
  - A slot is chosen by O(media_type). A slot that is not inserted, or whose C(ConnectedVia) is
    C(NotConnected), is free whatever image name it still shows; a free slot is preferred. When
    every fitting slot is in use, the first one is ejected before the insert.
  - Media is inserted with the C(InsertMedia) action, or with a PATCH on BMCs whose slots have
    no actions. Optional parameters at their default values (C(Inserted), C(WriteProtected))
    are left out of the action, because some BMCs reject them.
  - When the BMC rejects the action because a parameter is missing (C(ActionParameterMissing)),
    the module sends it once more with the missing parameters filled in, such as placeholder credentials
    C(anonymous) for a share that needs none, the transfer protocol from the URL's scheme, or
    C(TransferMethod=Stream).
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
  - aifactory.infra.redfish.system
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the slots and reports the slot it would use and the image it would eject.
  diff_mode:
    support: full
    description: The diff shows the slot's image before and after.
options:
  state:
    description:
      - V(present) attaches O(image_url). V(absent) ejects O(image_url), or every image of
        O(media_type) when O(image_url) is not given.
    type: str
    default: present
    choices: [present, absent]
  image_url:
    description: The image's URL, as the BMC fetches it (http, https, nfs, cifs).
    type: str
  media_type:
    description: The kind of device the image appears as; V(cd) takes slots with C(CD) or C(DVD).
    type: str
    default: cd
    choices: [cd, usb, floppy]
  slot:
    description: The C(Id) of the slot to use instead of the automatic choice.
    type: str
  image_username:
    description: User name for the image's share.
    type: str
  image_password:
    description: Password for the image's share.
    type: str
  transfer_protocol:
    description: C(TransferProtocolType) to send, such as V(HTTPS) or V(NFS); by default none is sent unless the BMC requires it.
    type: str
  transfer_method:
    description: C(TransferMethod) to send, V(Stream) or V(Upload); by default none is sent unless the BMC requires it.
    type: str
  write_protected:
    description: Attach the image read-only. Only V(false) is sent, because true is the Redfish default.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Attach the installer ISO as a CD
  aifactory.infra.redfish_virtual_media:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    image_url: https://images.example.com/ubuntu-24.04-live-server-amd64.iso
    media_type: cd
  delegate_to: localhost

- name: Detach it after the installation
  aifactory.infra.redfish_virtual_media:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    image_url: https://images.example.com/ubuntu-24.04-live-server-amd64.iso
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
system_id:
  description: The Redfish Id of the system acted on.
  returned: always
  type: str
slot:
  description: The Id of the slot that holds the image (O(state=present)).
  returned: when O(state=present)
  type: str
  sample: CD1
slot_uri:
  description: The URI of that slot.
  returned: when O(state=present)
  type: str
image:
  description: The image URL attached.
  returned: when O(state=present)
  type: str
ejected:
  description: The images ejected (or, in check mode, that would be ejected).
  returned: always
  type: list
  elements: str
media_type:
  description: The media type asked for.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.virtual_media import (
    MEDIA_TYPES,
    set_virtual_media,
)


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            state={"type": "str", "default": "present", "choices": ["present", "absent"]},
            image_url={"type": "str"},
            media_type={"type": "str", "default": "cd", "choices": list(MEDIA_TYPES)},
            slot={"type": "str"},
            image_username={"type": "str"},
            image_password={"type": "str", "no_log": True},
            transfer_protocol={"type": "str"},
            transfer_method={"type": "str"},
            write_protected={"type": "bool", "default": True},
        ),
        required_if=[("state", "present", ("image_url",))],
        supports_check_mode=True,
    )
    run_module(module, set_virtual_media)


if __name__ == "__main__":
    main()
