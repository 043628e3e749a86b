"""``faascmd``: the FPGA-image tool of the guide's chapter 8, talking to ecsim over HTTP."""
