# What starts the state machines: EventBridge Scheduler schedules in the legacy time zone,
# EventBridge rules (UTC), and rules on the status change of other state machines.

resource "aws_scheduler_schedule" "ScheduleFINANCEDAILYCLOSE0C48AA8" {
  name                         = "FINANCE-DAILY_CLOSE-0"
  description                  = "/FINANCE/DAILY_CLOSE rule 1"
  schedule_expression          = "cron(30 22 ? * MON-SAT *)"
  schedule_expression_timezone = "Asia/Tokyo"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.StateMachineFINANCEDAILYCLOSEEC754F.arn
    role_arn = aws_iam_role.SchedulerRole.arn
    input    = "{\"calendars\": [\"jobmigrate-closed-days-5ebb2a974e\"], \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"
  }
}

resource "aws_scheduler_schedule" "ScheduleFINANCEMONTHEND0491DB7" {
  name                         = "FINANCE-MONTH_END-0"
  description                  = "/FINANCE/MONTH_END rule 1"
  schedule_expression          = "cron(0 0 ? FEB-MAY,JUL,AUG,OCT,NOV TUE-SAT *)"
  schedule_expression_timezone = "Asia/Tokyo"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.StateMachineFINANCEMONTHEND46EED7.arn
    role_arn = aws_iam_role.SchedulerRole.arn
    input    = "{\"calendars\": [\"jobmigrate-run-days-fcf3495cc0\"], \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"
  }
}

resource "aws_scheduler_schedule" "ScheduleFINANCEMONTHEND15AC461" {
  name                         = "FINANCE-MONTH_END-1"
  description                  = "/FINANCE/MONTH_END rule 2"
  schedule_expression          = "cron(30 1 ? * TUE-SAT *)"
  schedule_expression_timezone = "Asia/Tokyo"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.StateMachineFINANCEMONTHEND46EED7.arn
    role_arn = aws_iam_role.SchedulerRole.arn
    input    = "{\"calendars\": [\"jobmigrate-run-days-7cd2bca42f\"], \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"
  }
}

resource "aws_scheduler_schedule" "ScheduleFINANCEWEEKLYAUDIT09510C4" {
  name                         = "FINANCE-WEEKLY_AUDIT-0"
  description                  = "/FINANCE/WEEKLY_AUDIT rule 1"
  schedule_expression          = "cron(15 7 ? * MON,TUE *)"
  schedule_expression_timezone = "Asia/Tokyo"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.StateMachineFINANCEWEEKLYAUDITC14227.arn
    role_arn = aws_iam_role.SchedulerRole.arn
    input    = "{\"calendars\": [\"jobmigrate-run-days-9c394d37bf\"], \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"
  }
}

resource "aws_scheduler_schedule" "ScheduleFINANCEWEEKLYAUDIT19E6DA3" {
  name                         = "FINANCE-WEEKLY_AUDIT-1"
  description                  = "/FINANCE/WEEKLY_AUDIT rule 2"
  schedule_expression          = "cron(0 18 ? * FRI *)"
  schedule_expression_timezone = "Asia/Tokyo"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.StateMachineFINANCEWEEKLYAUDITC14227.arn
    role_arn = aws_iam_role.SchedulerRole.arn
    input    = "{\"calendars\": [\"jobmigrate-run-days-1c95c46f05\"], \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"
  }
}
