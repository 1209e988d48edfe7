# The EC2 instances that take over the legacy hosts (template.yaml's parameters).

variable "HostBatch01InstanceId" {
  type        = string
  description = "EC2 instance that runs the jobs of legacy host batch01"

  validation {
    condition     = can(regex("^i-[0-9a-f]{8,17}$", var.HostBatch01InstanceId))
    error_message = "An EC2 instance id: i- and 8 to 17 hexadecimal digits."
  }
}

variable "HostDb01InstanceId" {
  type        = string
  description = "EC2 instance that runs the jobs of legacy host db01"

  validation {
    condition     = can(regex("^i-[0-9a-f]{8,17}$", var.HostDb01InstanceId))
    error_message = "An EC2 instance id: i- and 8 to 17 hexadecimal digits."
  }
}

variable "HostWinrpt01InstanceId" {
  type        = string
  description = "EC2 instance that runs the jobs of legacy host winrpt01"

  validation {
    condition     = can(regex("^i-[0-9a-f]{8,17}$", var.HostWinrpt01InstanceId))
    error_message = "An EC2 instance id: i- and 8 to 17 hexadecimal digits."
  }
}
