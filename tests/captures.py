"""What the hardware model must report for each capture of a real BMC.

capture: (server hosts, DPU hosts, GPUs per server, GPU model substring,
          DPU generations per server or None when not checked)
"""

EXPECTED = {
    "dell": (1, 0, 1, "H100", ["BlueField-2"]),
    "lenovo_sr670": (1, 0, 2, "A6000", []),
    "supermicro": (1, 0, 8, "H100", ["BlueField-2"]),
    "nvidia_gh200": (1, 0, 2, "GH200", []),
    "nvidia_dpu": (0, 1, 0, None, None),
    "dmtf-rackmount1": (1, 0, 0, None, []),
    "dmtf-smartnic": (1, 1, 0, None, None),
}


def check_hosts(hosts, capture):
    """Assert that the hardware models ``hosts`` of one BMC match the table."""
    servers, dpu_hosts, gpu_count, gpu_model, dpu_generations = EXPECTED[capture]
    assert len([h for h in hosts if h["kind"] == "server"]) == servers, capture
    assert len([h for h in hosts if h["kind"] == "dpu"]) == dpu_hosts, capture
    for host in hosts:
        if host["kind"] != "server":
            assert host["gpu_count"] == 0, capture
            continue
        assert host["gpu_count"] == gpu_count, capture
        assert len(host["gpus"]) == gpu_count, capture
        for gpu in host["gpus"]:
            assert gpu_model in gpu["model"], (capture, gpu)
            assert gpu["vendor"] == "NVIDIA", (capture, gpu)
        if dpu_generations is not None:
            assert [d["generation"] for d in host["dpus"]] == dpu_generations, capture
