# IAM roles: who may start the state machines, and what each state machine may do (the same
# least-privilege statements as ../template.yaml).

locals {
  # Every state machine's role is assumed by Step Functions.
  states_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "states.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
}

resource "aws_iam_role" "SchedulerRole" {
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "scheduler.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "SchedulerRole" {
  name = "start-scheduled-state-machines"
  role = aws_iam_role.SchedulerRole.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = "states:StartExecution"
        Resource = [
          aws_sfn_state_machine.StateMachineFINANCEDAILYCLOSEEC754F.arn,
          aws_sfn_state_machine.StateMachineFINANCEMONTHEND46EED7.arn,
          aws_sfn_state_machine.StateMachineFINANCEWEEKLYAUDITC14227.arn,
        ]
      },
    ]
  })
}

resource "aws_iam_role" "StateMachineFINANCEDAILYCLOSEEC754FRole" {
  assume_role_policy = local.states_trust_policy
}

resource "aws_iam_role_policy" "StateMachineFINANCEDAILYCLOSEEC754FRole" {
  name = "run-jobs"
  role = aws_iam_role.StateMachineFINANCEDAILYCLOSEEC754FRole.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = aws_sns_topic.FailureTopic.arn
      },
      {
        Effect = "Allow"
        Action = "ssm:GetCalendarState"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${aws_ssm_document.Calendarjobmigratecloseddays5ebb2a974eCC2B3C.name}",
        ]
      },
      {
        Effect = "Allow"
        Action = "ssm:SendCommand"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}::document/AWS-RunPowerShellScript",
          "arn:${local.partition}:ssm:${local.region}::document/AWS-RunShellScript",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostBatch01InstanceId}",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostDb01InstanceId}",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostWinrpt01InstanceId}",
        ]
      },
      # GetCommandInvocation supports no resource-level permissions.
      {
        Effect   = "Allow"
        Action   = "ssm:GetCommandInvocation"
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role" "StateMachineFINANCEMONTHEND46EED7Role" {
  assume_role_policy = local.states_trust_policy
}

resource "aws_iam_role_policy" "StateMachineFINANCEMONTHEND46EED7Role" {
  name = "run-jobs"
  role = aws_iam_role.StateMachineFINANCEMONTHEND46EED7Role.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = aws_sns_topic.FailureTopic.arn
      },
      {
        Effect = "Allow"
        Action = "ssm:GetCalendarState"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${aws_ssm_document.Calendarjobmigraterundays7cd2bca42fE5B0E7.name}",
          "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${aws_ssm_document.Calendarjobmigraterundaysfcf3495cc0685AF5.name}",
        ]
      },
      {
        Effect = "Allow"
        Action = "ssm:SendCommand"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}::document/AWS-RunShellScript",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostBatch01InstanceId}",
        ]
      },
      # GetCommandInvocation supports no resource-level permissions.
      {
        Effect   = "Allow"
        Action   = "ssm:GetCommandInvocation"
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role" "StateMachineFINANCEWEEKLYAUDITC14227Role" {
  assume_role_policy = local.states_trust_policy
}

resource "aws_iam_role_policy" "StateMachineFINANCEWEEKLYAUDITC14227Role" {
  name = "run-jobs"
  role = aws_iam_role.StateMachineFINANCEWEEKLYAUDITC14227Role.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = aws_sns_topic.FailureTopic.arn
      },
      {
        Effect = "Allow"
        Action = "ssm:GetCalendarState"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${aws_ssm_document.Calendarjobmigraterundays1c95c46f05F0A843.name}",
          "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${aws_ssm_document.Calendarjobmigraterundays9c394d37bf86941D.name}",
        ]
      },
      {
        Effect = "Allow"
        Action = "ssm:SendCommand"
        Resource = [
          "arn:${local.partition}:ssm:${local.region}::document/AWS-RunPowerShellScript",
          "arn:${local.partition}:ssm:${local.region}::document/AWS-RunShellScript",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostBatch01InstanceId}",
          "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${var.HostWinrpt01InstanceId}",
        ]
      },
      # GetCommandInvocation supports no resource-level permissions.
      {
        Effect   = "Allow"
        Action   = "ssm:GetCommandInvocation"
        Resource = "*"
      },
    ]
  })
}
