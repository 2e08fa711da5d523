"""Stateful IPMI-over-LAN BMCs for the lab, and a runner for OpenIPMI's ipmi_sim.

``bmc.LabBmc`` is one BMC on a 127.0.0.1 UDP port (built on pyghmi's BMC server classes),
``server.IpmiLab`` serves several from one process, ``spec`` checks their description and
``ipmi_sim`` starts OpenIPMI's simulator, a BMC this project did not write, for the tests.
"""
