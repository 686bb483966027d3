import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PER_PAGE = 200;

/** `?page=&per_page=` for every list; lists are never unbounded. */
export class PaginationQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PER_PAGE)
  per_page: number = 50;
}

export interface PageRequest {
  page: number;
  perPage: number;
}

export function toPageRequest(query: PaginationQueryDto): PageRequest {
  return { page: query.page, perPage: query.per_page };
}
