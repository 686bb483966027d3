import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export const CANCEL_REASON_MAX_LENGTH = 200;

export class CancelOrderDto {
  @ApiProperty({
    maxLength: CANCEL_REASON_MAX_LENGTH,
    description: "The operator's reason, kept on the stock movement and in the log line",
    example: 'customer asked by phone',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(CANCEL_REASON_MAX_LENGTH)
  reason: string;
}
