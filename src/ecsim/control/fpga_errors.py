"""The FaaS service's errors, spelled and numbered as the guide's error table gives them."""

from __future__ import annotations

from ecsim.control.error_builders import fixed, naming

__all__ = [
    "another_task_running",
    "fpga_image_not_found",
    "fpga_image_state_error",
    "fpga_not_found",
    "frequency_error",
    "image_access_error",
    "image_not_found",
    "image_not_found_for_load",
    "image_not_in_success_state",
    "image_number_exceed",
    "instance_invalidate",
    "no_access_to_instance",
    "not_authorized",
    "oss_object_not_found",
    "parameter_invalidate",
    "shell_not_match",
    "shell_not_support",
]

parameter_invalidate = naming(
    "The input parameter {} is invalid.", code="PARAMETER INVALIDATE", http_status=400
)
image_number_exceed = fixed(
    "The number of FPGA images exceeds the limit; delete images you no longer need.",
    code="IMAGE NUMBER EXCEED",
    http_status=401,
)
frequency_error = fixed(
    "Only one FPGA image request is allowed in each period; try again later.",
    code="FREQUENCY ERROR",
    http_status=503,
)
shell_not_support = naming(
    "The shell version {} is not supported.", code="SHELL NOT SUPPORT", http_status=404
)
oss_object_not_found = fixed(
    "The specified OSS bucket or object does not exist, or cannot be read.",
    code="OSS OBJECT NOT FOUND",
    http_status=404,
)
# Delete and update answer 400, a load 404 (the table gives both).
image_not_found = fixed(
    "The specified fpgaImage is not found.", code="IMAGE NOT FOUND", http_status=400
)
image_not_found_for_load = fixed(
    "The specified fpgaImage is not found.", code="IMAGE NOT FOUND", http_status=404
)
not_authorized = fixed(
    "The specified instance does not exist or does not belong to you.",
    code="NOT AUTHORIZED",
    http_status=401,
)
instance_invalidate = fixed(
    "The specified instance is not an FPGA instance.", code="INSTANCE INVALIDATE", http_status=404
)
fpga_not_found = fixed("The specified fpga is not found.", code="FPGA NOT FOUND", http_status=404)
another_task_running = fixed(
    "Another task is running,user is allowed to take this task half an hour",
    code="ANOTHER TASK RUNNING",
    http_status=503,
)
image_access_error = fixed(
    "The specified image does not belong to you.", code="IMAGE ACCESS ERROR", http_status=401
)
no_access_to_instance = fixed(
    "The specified instance does not belong to you.",
    code="YOU HAVE NO ACCESS TO THIS INSTANCE",
    http_status=401,
)
shell_not_match = fixed(
    "The image Shell is not match with fpga Shell!", code="SHELL NOT MATCH", http_status=404
)
image_not_in_success_state = fixed(
    "Only an image in the success state can be loaded.",
    code="Image not in success state",
    http_status=404,
)
fpga_image_state_error = fixed(
    "The specified image is not in the success state.",
    code="FPGA IMAGE STATE ERROR",
    http_status=404,
)
fpga_image_not_found = fixed(
    "The specified image is not found or does not belong to you.",
    code="FPGA IMAGE NOT FOUND",
    http_status=404,
)
