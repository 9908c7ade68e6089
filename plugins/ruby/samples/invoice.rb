# frozen_string_literal: true

require "bigdecimal"

module Billing
#      ^ definition.module
  DEFAULT_CURRENCY = "EUR"
# ^ definition.constant

  class Error < StandardError; end
#       ^ definition.class
#               ^ reference.class

  module Roundable
#        ^ definition.module
    def round_cents(amount)
#       ^ definition.method
      (amount * 100).round / 100.0
#                    ^ reference.call
    end
  end

  class Invoice < Base::Document
#       ^ definition.class
#                 ^ reference.type
#                       ^ reference.class
    include Roundable
#           ^ reference.implementation
    TAX_RATE = BigDecimal("0.2")
#   ^ definition.constant

    attr_reader :lines, :currency

    class << self
      def parse(payload)
#         ^ definition.method
        new(JSON.parse(payload).fetch("lines"))
#       ^ reference.call
#           ^ reference.type
#                               ^ reference.call
      end
    end

    def self.empty
#            ^ definition.method
      Invoice.new([])
#     ^ reference.class
    end

    def initialize(lines, currency: DEFAULT_CURRENCY)
#       ^ definition.method
      @lines = lines
      @currency = currency
    end

    def total
#       ^ definition.method
      subtotal = lines.sum(&:amount)
#                      ^ reference.call
      round_cents(subtotal * (1 + TAX_RATE))
#     ^ reference.call
    rescue TypeError, Billing::Error => e
#          ^ reference.type
#                              ^ reference.type
      raise Error, "cannot total invoice: #{e.message}"
#           ^ reference.type
    end
    alias amount total
#         ^ definition.method
  end
end
