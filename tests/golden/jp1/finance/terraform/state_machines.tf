# The state machines. Each reads its definition from ../statemachines/ and fills in the
# placeholders written there as ${Key}; legacy text holding "${" is written "${Dollar}{" in the
# file, and the Dollar replacement comes last so that it reaches the job unchanged.

resource "aws_sns_topic" "FailureTopic" {
  display_name = "jobmigrate job failures"
}

resource "aws_sfn_state_machine" "StateMachineFINANCEDAILYCLOSEEC754F" {
  name     = "FINANCE-DAILY_CLOSE"
  type     = "STANDARD"
  role_arn = aws_iam_role.StateMachineFINANCEDAILYCLOSEEC754FRole.arn

  definition = replace(
    replace(
      replace(
        replace(
          file("${path.module}/../statemachines/FINANCE-DAILY_CLOSE.asl.json"),
          "$${HostBatch01InstanceId}", var.HostBatch01InstanceId
        ),
        "$${HostDb01InstanceId}", var.HostDb01InstanceId
      ),
      "$${HostWinrpt01InstanceId}", var.HostWinrpt01InstanceId
    ),
    "$${FailureTopicArn}", aws_sns_topic.FailureTopic.arn
  )
}

resource "aws_sfn_state_machine" "StateMachineFINANCEMONTHEND46EED7" {
  name     = "FINANCE-MONTH_END"
  type     = "STANDARD"
  role_arn = aws_iam_role.StateMachineFINANCEMONTHEND46EED7Role.arn

  definition = replace(
    replace(
      file("${path.module}/../statemachines/FINANCE-MONTH_END.asl.json"),
      "$${HostBatch01InstanceId}", var.HostBatch01InstanceId
    ),
    "$${FailureTopicArn}", aws_sns_topic.FailureTopic.arn
  )
}

resource "aws_sfn_state_machine" "StateMachineFINANCEWEEKLYAUDITC14227" {
  name     = "FINANCE-WEEKLY_AUDIT"
  type     = "STANDARD"
  role_arn = aws_iam_role.StateMachineFINANCEWEEKLYAUDITC14227Role.arn

  definition = replace(
    replace(
      replace(
        file("${path.module}/../statemachines/FINANCE-WEEKLY_AUDIT.asl.json"),
        "$${HostBatch01InstanceId}", var.HostBatch01InstanceId
      ),
      "$${HostWinrpt01InstanceId}", var.HostWinrpt01InstanceId
    ),
    "$${FailureTopicArn}", aws_sns_topic.FailureTopic.arn
  )
}
