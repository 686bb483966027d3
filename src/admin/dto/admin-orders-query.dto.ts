import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CUSTOMER_ID_PATTERN } from '../../common/customer-id';
import { PaginationQueryDto } from '../../common/http/pagination.dto';
import { ORDER_STATUSES, OrderStatus } from '../../orders/order-status';
import { IsSaleInstant } from './admin-validators';

/** GET /api/admin/orders: the public lists' pagination plus the operator's filters (all optional, ANDed). */
export class AdminOrdersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  product_id?: number;

  @ApiPropertyOptional({ description: 'Exact match (1-255 printable ASCII)' })
  @IsOptional()
  @Matches(CUSTOMER_ID_PATTERN, { message: 'customer_id must be 1-255 printable ASCII characters' })
  customer_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Orders created at or after this instant' })
  @IsOptional()
  @IsSaleInstant()
  created_from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Orders created before this instant' })
  @IsOptional()
  @IsSaleInstant()
  created_to?: string;
}
